#!/usr/bin/env node
// The `transcribe` command (package.json "bin"): runs the TypeScript CLI through tsx, as every entry point here does.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
