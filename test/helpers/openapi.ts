import { Ajv, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';

/** The parts of an OpenAPI 3 document the tests read. */
export interface Schema {
  type?: string | string[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
}
export interface Media {
  schema?: Schema;
}
export interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema?: Schema;
}
export interface Operation {
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, Media> };
  responses: Record<string, { description?: string; content?: Record<string, Media> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, { type: string; in?: string; name?: string; scheme?: string }> };
}

// ajv-formats is CommonJS: its default export arrives as the module object under Node's ESM loader.
const addFormats = ((formatsModule as unknown as { default?: typeof formatsModule }).default ??
  formatsModule) as unknown as (ajv: Ajv) => Ajv;

/** Validates bodies against the document's schemas (OpenAPI 3.0 schema objects, read as JSON Schema). */
export function schemaChecker() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('binary', true);
  const compiled = new WeakMap<object, ValidateFunction>();
  return (schema: Schema, data: unknown): string | undefined => {
    const validate = compiled.get(schema) ?? ajv.compile(schema);
    compiled.set(schema, validate);
    return validate(data) ? undefined : ajv.errorsText(validate.errors);
  };
}

/** The documented response of a status: exact, then `4XX`-style, then `default`. */
export function documentedResponse(op: Operation, status: number) {
  return op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`] ?? op.responses.default;
}

/** Whether a response's Content-Type is one of the documented media types (ranges like `*\/*` included). */
export function mediaMatches(documented: string[], contentType: string | undefined): boolean {
  if (!contentType) return false;
  const actual = contentType.split(';')[0]!.trim().toLowerCase();
  return documented.some((m) => {
    const [type, sub] = m.toLowerCase().split('/');
    const [aType, aSub] = actual.split('/');
    return (type === '*' || type === aType) && (sub === '*' || sub === aSub);
  });
}

/** OpenAPI path template → a URL with the given parameter values (escaped). */
export const fillPath = (template: string, params: Record<string, string>) =>
  template.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? `{${name}}`));
