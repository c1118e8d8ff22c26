/** @module @mvm/compiler — `mvmctl compile`: static front ends, record mode, artifacts, diagnostics. */
export { compileFile, PYTHON_EXTENSIONS, SCRIPT_EXTENSIONS, type Compiled, type CompileOptions } from "./compile.ts";
export { writeArtifacts, type WrittenArtifacts } from "./artifacts.ts";
export { renderDiagnostic } from "./diagnostics.ts";
export type { FrontEnd, FrontEndResult, FunctionParam } from "./front-end.ts";
export { toolsDoctorChecks } from "./doctor.ts";
