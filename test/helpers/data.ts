import { dataRoot } from "../../src/datasets/paths.js";

/**
 * The shared measured-latency data (../shared/data or $EDGELAT_DATA). Tests that need it use
 * `describe.skipIf(!DATA)(…)`; the message below is printed once so a skip is never silent.
 */
export const DATA = dataRoot();
if (DATA === undefined) {
  console.warn("[edgelat tests] ../shared/data not found (set EDGELAT_DATA): tests on measured data are skipped.");
}
