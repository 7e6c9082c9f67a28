/** The probe token the tests start the reference receiver with, and send to its probe. */
export const TEST_PROBE_TOKEN = 'ipn-gauntlet-test-probe-token';

/** The reference receiver's probe option in tests. */
export const testProbe = { probe: { token: TEST_PROBE_TOKEN } } as const;

/** The header every call to the reference receiver's probe carries in tests. */
export const probeHeaders = { authorization: `Bearer ${TEST_PROBE_TOKEN}` } as const;
