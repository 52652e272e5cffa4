/** The tests use the same recording mock runtime as the offline synthesizer. */
export * from "../../offline/mockRuntime";
