import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CATALOGUE } from '../core/errors.js';
import { newUuid } from '../core/ids.js';
import { errorBody, sendError } from './error-mapping.js';

/**
 * Answers Fastify and Node produce before a route runs, in the documented shape (SPEC §1):
 * `{error, message, request_id}` with `X-Request-Id`, instead of their own bodies.
 */

/** Fastify's `frameworkErrors`: a path that does not percent-decode (`%E0%A4%A`), a path parameter over the router's limit. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('X-Request-Id', request.id);
  if (error.code === 'FST_ERR_BAD_URL') {
    return sendError(reply, request, new AppError('invalid_request', 'The request path is not valid percent-encoded UTF-8.'));
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    // Whatever it says, an id this long names nothing (SPEC §1: any length → 404).
    return sendError(reply, request, new AppError('not_found', 'Not found.'));
  }
  return sendError(reply, request, new AppError('invalid_request', 'The request is invalid.'));
}

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses (headers or request
 * line over the size limit, malformed header names or values, a bad Content-Length,
 * a request that took too long). There is no request object yet, so the answer is written
 * to the socket, which is then closed.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const appError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError('request_header_too_large', 'The request line and headers are larger than the server accepts (16 KiB).')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new AppError('request_timeout', 'The request was not received in time.')
        : new AppError('invalid_request', 'The request is not well-formed HTTP (check the request line and the header names and values).');
  const requestId = newUuid();
  const body = JSON.stringify(errorBody(appError, requestId));
  const status = ERROR_CATALOGUE[appError.code];
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
