import { Type } from '@sinclair/typebox';

/**
 * The W3C `traceparent` request header of the create operations (SPEC §17). A valid one makes
 * the run's spans part of the caller's trace; an invalid one is ignored (the run starts a
 * trace of its own), as the W3C Trace Context rules say, so it never refuses a request.
 */
export const TraceparentHeader = Type.Optional(Type.String({
  description: 'W3C Trace Context (`00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`): the run\'s spans (OpenTelemetry, ' +
    'when the server exports traces) join this trace under this span. Stored with the run, so a takeover by another process ' +
    'continues the same trace. Malformed values are ignored.',
  examples: ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
}));
