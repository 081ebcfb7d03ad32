// The JSON Schema of experiment files, built from the option table (options.ts) so the shipped
// schema/experiment.schema.json and the validator cannot disagree (a test compares them).
import { GATES, OPTIONS, STEP_KINDS, optionsOf, type OptionSpec, type StepKind, type ValueType } from './options';

type Json = Record<string, unknown>;

function valueSchema(type: ValueType): Json {
  switch (type) {
    case 'integerOrAuto':
      return { oneOf: [{ type: 'integer', minimum: 0 }, { const: 'auto' }] };
    case 'stringOrBoolean':
      return { type: ['string', 'boolean'] };
    case 'integerList':
      return { oneOf: [{ type: 'array', items: { type: 'integer', minimum: 1 } }, { type: 'string' }] };
    default:
      return { type };
  }
}

function optionSchema(o: OptionSpec): Json {
  const base = o.choices ? { enum: [...o.choices] } : valueSchema(o.type);
  return { description: o.description, ...base };
}

/** An option's value, or a list of values to expand over in `matrix`. */
function matrixSchema(step: StepKind | undefined): Json {
  const names = step ? optionsOf(step) : OPTIONS;
  const properties = Object.fromEntries(names.map((o) => [o.name, { type: 'array', minItems: 1, items: optionSchema(o) }]));
  return { type: 'object', additionalProperties: false, properties, description: 'option -> list of values; the runs are every combination' };
}

function gatesSchema(): Json {
  const properties = Object.fromEntries(GATES.map((g) => [g.name, { type: 'number', description: g.description }]));
  return { type: 'object', additionalProperties: false, properties };
}

function experimentSchema(step: StepKind): Json {
  const properties: Json = {
    name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', description: 'unique name; later steps refer to it' },
    step: { const: step },
    matrix: matrixSchema(step),
    gates: gatesSchema(),
    baseline: { type: 'string', description: "another experiment's name: summary.md sets this one's runs against that one's runs of the same settings (gain in points)" },
  };
  for (const o of optionsOf(step)) properties[o.name] = optionSchema(o);
  return { type: 'object', additionalProperties: false, required: ['name', 'step'], properties };
}

export function experimentJsonSchema(): Json {
  const defaults = Object.fromEntries(OPTIONS.filter((o) => o.steps.includes('pretrain') || o.steps.includes('transfer')).map((o) => [o.name, optionSchema(o)]));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://tl.invalid/schema/experiment.schema.json',
    title: 'tl experiment file (tl run)',
    type: 'object',
    additionalProperties: false,
    required: ['experiments'],
    properties: {
      $schema: { type: 'string' },
      defaults: { type: 'object', additionalProperties: false, properties: defaults, description: 'options given to every pretrain and transfer step that takes them' },
      experiments: { type: 'array', minItems: 1, items: { oneOf: STEP_KINDS.map(experimentSchema) } },
    },
  };
}
