import { newApiKeyEntry } from '../services/api-keys.js';

// `npm run api-key -- <name> [requests per minute]`: prints an entry to append to API_KEYS (comma-separated).
const [name, perMinute] = process.argv.slice(2);
if (!name) {
  console.error('usage: npm run api-key -- <name> [requests per minute]');
  process.exit(2);
}
try {
  const entry = newApiKeyEntry(name, perMinute === undefined ? undefined : Number(perMinute));
  console.log(entry);
  console.error(`Append it to API_KEYS (entries are comma-separated) on the API and streaming workers; clients send "Authorization: Token ${entry.split(':')[1]}".`);
} catch (err) {
  console.error(`api-key: ${(err as Error).message}`);
  process.exit(2);
}
