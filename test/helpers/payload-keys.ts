import { parsePayloadKeys, type PayloadKey } from '../../src/config.js';
import { encryptedDataConverter } from '../../src/temporal/encryption-codec.js';

/**
 * The suite's PAYLOAD_ENCRYPTION_KEYS: every test stack, test client and replay runs encrypted, as a deployment does.
 * Fixed (not random) so histories recorded by `npm run record-histories` replay in later runs.
 */
export const TEST_PAYLOAD_KEYS_ENV = 'test-1:a2j9kwNcoRXLr5jFxBhGhaSag5tOdz3xVDV6hJAeun8=';

export const TEST_PAYLOAD_KEYS: PayloadKey[] = parsePayloadKeys(TEST_PAYLOAD_KEYS_ENV) as PayloadKey[];

/** For a test's own Temporal clients and workers. */
export const testDataConverter = () => encryptedDataConverter(TEST_PAYLOAD_KEYS);
