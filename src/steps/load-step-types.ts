import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StepType } from './step-type.js';

/**
 * Loads host step types from the modules named in `SLIPWAY_STEP_TYPES`. A module's
 * default export (or its `stepTypes` export) is one step type or a list of them;
 * TypeScript modules work in a checkout, where `slipway` runs under tsx (the installed
 * package runs compiled JavaScript: JavaScript modules there). Paths are relative to the
 * working directory. See examples/host-step-types/.
 */
export async function loadStepTypeModules(paths: readonly string[], cwd = process.cwd()): Promise<StepType[]> {
  const loaded: StepType[] = [];
  for (const path of paths) {
    const url = pathToFileURL(isAbsolute(path) ? path : resolve(cwd, path)).href;
    const module = (await import(url)) as { default?: unknown; stepTypes?: unknown };
    const exported = module.stepTypes ?? module.default;
    const list = Array.isArray(exported) ? exported : [exported];
    for (const candidate of list) {
      const problem = whyNotStepType(candidate);
      if (problem) throw new Error(`${path}: ${problem}`);
      loaded.push(candidate as StepType);
    }
  }
  return loaded;
}

function whyNotStepType(value: unknown): string | null {
  if (value === null || typeof value !== 'object') return 'export a StepType (or a list) as default or as `stepTypes`';
  const v = value as Partial<StepType>;
  if (typeof v.type !== 'string' || !/^[a-z][a-z0-9_-]*$/i.test(v.type)) return 'a step type needs `type`, a name such as "slugify"';
  if (typeof v.run !== 'function') return `step type "${v.type}" needs a run(input, ctx) function`;
  if (!v.input || typeof v.input !== 'object' || (v.input as { type?: string }).type !== 'object') {
    return `step type "${v.type}" needs \`input\`, a TypeBox Type.Object(...) schema of its with block`;
  }
  if (typeof v.idempotent !== 'boolean') return `step type "${v.type}" needs \`idempotent: true | false\``;
  if (v.pure !== undefined && typeof v.pure !== 'boolean') return `step type "${v.type}": \`pure\` is true or false when given`;
  return null;
}
