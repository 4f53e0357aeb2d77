/** npm run gen:types: writes schemas/types.ts from schemas/avro/*.avsc (schemas/generate-types.ts). */
import fs from 'node:fs';
import path from 'node:path';
import { generateTypes, TYPES_FILE } from '../schemas/generate-types.ts';

fs.writeFileSync(TYPES_FILE, generateTypes());
console.log(`wrote ${path.relative(process.cwd(), TYPES_FILE)}`);
