/** Custom search attributes the dev server registers at start so the Temporal UI can filter jobs. */
export const SEARCH_ATTRIBUTES = { JobStatus: 'Keyword', JobMode: 'Keyword' } as const;
