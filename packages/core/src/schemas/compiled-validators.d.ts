// Types of the generated validators in compiled-validators.js (ajv standalone output).

/** One problem reported by a generated validator (the subset of ajv's ErrorObject we read). */
export interface CompiledValidatorError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** A validator compiled from one JSON Schema. */
export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: CompiledValidatorError[] | null;
}

export declare const validateTokenEntry: CompiledValidator;
export declare const validateTokenFileV2: CompiledValidator;
export declare const validateTokenFileV1: CompiledValidator;
export declare const validateLegacySimpleJSONFile: CompiledValidator;
