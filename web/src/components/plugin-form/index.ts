export {
  type ConfigResult,
  configOf,
  type FieldSpec,
  type FormValues,
  fieldOfError,
  fieldsOf,
  type PluginFormSpec,
  secretMask,
  valuesOf,
} from './model';
export { PluginFormFields, type PluginFormFieldsProps } from './plugin-form';
export { usePluginForm } from './use-plugin-form';
