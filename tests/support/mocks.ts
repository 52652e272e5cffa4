/** The tests use the same recording mock runtime as the offline synthesizer. */
export * from "../../tools/offline/mockRuntime";
