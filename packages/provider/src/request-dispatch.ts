import {
  CodeboltError,
  describeZodError,
  envelope,
  errorEnvelope,
  parseData,
  providerRequestSchemas,
  providerResultSchemas,
  type Envelope,
  type ErrorBody,
  type ProviderRequestType,
} from '@codebolt/protocol';
import type { BaseProvider } from './base-provider.js';

const MAX_ERROR_MESSAGE_CHARS = 4_096;
const REQUEST_TYPES = Object.keys(providerRequestSchemas) as ProviderRequestType[];

export function isProviderRequestType(type: string): type is ProviderRequestType {
  return Object.prototype.hasOwnProperty.call(providerRequestSchemas, type);
}

/**
 * Answers one relay request (an envelope with `id`): validates its data with the protocol
 * schema, calls the provider, validates the result, and returns the answer envelope (same type,
 * `re` = the request id). Never throws: failures become error envelopes — `bad-request` for an
 * unknown type or invalid data, the code of a thrown `CodeboltError`, `provider-error` with the
 * message of anything else.
 */
export async function answerRequest<Config>(provider: BaseProvider<Config>, request: Envelope & { id: string }, signal: AbortSignal): Promise<Envelope> {
  const type = request.type;
  try {
    if (!isProviderRequestType(type)) {
      throw new CodeboltError('bad-request', `unknown request type "${type}"; a provider serves ${REQUEST_TYPES.join(', ')}`);
    }
    const result = await callProvider(provider, type, request.data, signal);
    const checked = providerResultSchemas[type].safeParse(result);
    if (!checked.success) {
      throw new CodeboltError(
        'provider-error',
        `provider "${provider.name}" returned an invalid ${type} answer (${describeZodError(checked.error)}); this is a bug in the provider`,
      );
    }
    return envelope(type, { re: request.id, data: checked.data });
  } catch (error) {
    return errorEnvelope(type, errorBodyFor(error, provider.name, type), request.id);
  }
}

function callProvider<Config>(provider: BaseProvider<Config>, type: ProviderRequestType, data: unknown, signal: AbortSignal): Promise<unknown> {
  const what = `${type} data`;
  switch (type) {
    case 'providerStart':
      return provider.providerStart(parseData(providerRequestSchemas.providerStart, data, what), signal);
    case 'providerAttach':
      return provider.providerAttach(parseData(providerRequestSchemas.providerAttach, data, what), signal);
    case 'providerStop':
      return provider.providerStop(parseData(providerRequestSchemas.providerStop, data, what), signal);
    case 'providerList':
      return provider.providerList(parseData(providerRequestSchemas.providerList, data, what), signal);
    case 'providerHealth':
      return provider.providerHealth(parseData(providerRequestSchemas.providerHealth, data, what), signal);
    case 'providerFiles':
      return provider.providerFiles(parseData(providerRequestSchemas.providerFiles, data, what), signal);
  }
}

/** A provider's own error messages are useful to the operator, so they travel (truncated). */
export function errorBodyFor(error: unknown, providerName: string, type: string): ErrorBody {
  if (error instanceof CodeboltError) return { code: error.code, message: truncate(error.message) };
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  return {
    code: 'provider-error',
    message: truncate(message || `provider "${providerName}" failed in ${type} without a message; see its log`),
  };
}

function truncate(message: string): string {
  return message.length > MAX_ERROR_MESSAGE_CHARS ? `${message.slice(0, MAX_ERROR_MESSAGE_CHARS - 1)}…` : message;
}
