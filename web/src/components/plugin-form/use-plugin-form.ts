import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { errorMessage } from '../../lib/api-client';
import {
  configOf,
  type FieldSpec,
  type FormValues,
  fieldOfError,
  fieldsOf,
  type PluginFormSpec,
  valuesOf,
} from './model';

export interface PluginFormState {
  fields: FieldSpec[];
  values: FormValues;
  setValues(values: FormValues): void;
  /** messages by field */
  errors: Record<string, string>;
  /** a refusal that names no field of the config */
  problem: string | null;
  busy: boolean;
  /**
   * Checks what can be checked here, then sends the config; the API's refusal lands next to its field
   * (or in `problem`, or is handed to `otherFields` to place). True when `send` went through.
   */
  submit(
    send: (config: Record<string, unknown>) => Promise<void>,
    otherFields?: (message: string) => boolean,
  ): Promise<boolean>;
  /** shows a message of the caller's own (a field outside the config) */
  setProblem(problem: string | null): void;
}

/**
 * The state of one plugin config form. When the spec changes (another class was picked) what was typed
 * into fields of the same name stays.
 */
export function usePluginForm(spec: PluginFormSpec | null, config?: Record<string, unknown>): PluginFormState {
  const fields = useMemo(() => (spec ? fieldsOf(spec) : []), [spec]);
  const [values, setValues] = useState<FormValues>(() => valuesOf(fields, config));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const typed = useRef<FormValues>(values);
  typed.current = values;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the stored config is read once per form spec
  useEffect(() => {
    const fresh = valuesOf(fields, config);
    for (const field of fields) {
      if (field.name in typed.current && typeof typed.current[field.name] === typeof fresh[field.name]) {
        fresh[field.name] = typed.current[field.name] as FormValues[string];
      }
    }
    setValues(fresh);
    setErrors({});
  }, [fields]);

  const submit = useCallback(
    async (send: (config: Record<string, unknown>) => Promise<void>, otherFields?: (message: string) => boolean) => {
      const result = configOf(fields, typed.current);
      setErrors(result.errors);
      setProblem(null);
      if (Object.keys(result.errors).length > 0) return false;
      setBusy(true);
      try {
        await send(result.config);
        return true;
      } catch (error) {
        const message = errorMessage(error);
        const field = fieldOfError(fields, message);
        if (field) setErrors({ [field]: message });
        else if (!otherFields?.(message)) setProblem(message);
        return false;
      } finally {
        setBusy(false);
      }
    },
    [fields],
  );

  return { fields, values, setValues, errors, problem, busy, submit, setProblem };
}
