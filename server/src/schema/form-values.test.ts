import { describe, expect, it } from 'vitest';
import { typeFormValues } from './form-values.js';

const schema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    ratio: { type: 'number' },
    durable: { type: 'boolean' },
    name: { type: 'string' },
    connection: { type: ['string', 'integer'] },
    anything: {},
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    ports: { type: 'array', items: { type: 'integer' } },
    nested: { type: 'object', properties: { retries: { type: 'integer' } } },
  },
};

describe('config values as forms send them', () => {
  it('types the text of numbers and booleans where the schema wants them', () => {
    const typed = typeFormValues(schema, {
      statusCode: '200',
      ratio: ' 0.5 ',
      durable: 'true',
      ports: ['5672', '5671'],
      nested: { retries: '3' },
    });
    expect(typed).toEqual({ statusCode: 200, ratio: 0.5, durable: true, ports: [5672, 5671], nested: { retries: 3 } });
    expect(typeFormValues(schema, { durable: 'false' })).toEqual({ durable: false });
    expect(typeFormValues(schema, { durable: '1' })).toEqual({ durable: true });
    expect(typeFormValues(schema, { durable: '0' })).toEqual({ durable: false });
    expect(typeFormValues(schema, { durable: 0 })).toEqual({ durable: false });
  });

  it('leaves strings where the schema accepts a string, and values of no type alone', () => {
    const typed = typeFormValues(schema, {
      name: '200',
      connection: '7',
      anything: 'true',
      headers: { 'X-Count': '1' },
    });
    expect(typed).toEqual({ name: '200', connection: '7', anything: 'true', headers: { 'X-Count': '1' } });
    // a number where a string is wanted is not turned into text: the validator refuses it
    expect(typeFormValues(schema, { name: 5 })).toEqual({ name: 5 });
  });

  it('keeps text that is no number, so the validator names the field', () => {
    expect(typeFormValues(schema, { statusCode: 'abc', durable: 'yes', ratio: '1e' })).toEqual({
      statusCode: 'abc',
      durable: 'yes',
      ratio: '1e',
    });
    expect(typeFormValues(schema, { statusCode: '200.5' })).toEqual({ statusCode: '200.5' });
    expect(typeFormValues(schema, { statusCode: '99999999999999999999' })).toEqual({
      statusCode: '99999999999999999999',
    });
  });

  it('drops an empty input of a field that wants no string', () => {
    expect(typeFormValues(schema, { statusCode: '', name: '', ports: '' })).toEqual({ name: '' });
  });
});
