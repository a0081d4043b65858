// `npm run build` step: tsc compiles only TypeScript, so the numbered .sql migrations of each
// store are copied next to the compiled code, where the migration runners look for them.
import { cpSync } from 'node:fs';

for (const dialect of ['sqlite', 'postgres']) {
  cpSync(`src/store/${dialect}/migrations`, `dist/store/${dialect}/migrations`, { recursive: true });
}
