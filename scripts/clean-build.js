// `npm run build` step: starts from an empty dist/, so a module deleted or renamed in src/
// never lingers in the build (or in the package `npm pack` makes from it).
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
