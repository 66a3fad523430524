import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

/** Custom search attributes the workflows set so the Temporal UI can filter jobs. */
export const SEARCH_ATTRIBUTES = { JobStatus: 'Keyword', JobMode: 'Keyword', Tenant: 'Keyword' } as const;

/** The tenant's name on every workflow, so operators filter by tenant in the Temporal UI (`Tenant = "acme"`). */
export { TENANT_KEY as TENANT_SEARCH_ATTRIBUTE } from '../domain/job-search-attributes.js';

/**
 * Makes sure the namespace knows our search attributes, registering them if it can.
 * Returns false when they are missing and cannot be added (e.g. no operator rights): workflows then
 * skip setting them rather than failing on an unknown attribute.
 */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<boolean> {
  const operator = client.connection.operatorService;
  try {
    const { customAttributes } = await operator.listSearchAttributes({ namespace });
    const missing = Object.keys(SEARCH_ATTRIBUTES).filter((name) => !customAttributes?.[name]);
    if (missing.length === 0) return true;
    await operator.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    });
    return true;
  } catch {
    return false;
  }
}
