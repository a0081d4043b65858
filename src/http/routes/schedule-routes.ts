import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  CreateScheduleBody,
  ListFiresQuery,
  ListFiresResponse,
  ListSchedulesQuery,
  ListSchedulesResponse,
  PreviewScheduleQuery,
  PreviewScheduleResponse,
  ScheduleIdParams,
  ScheduleSchema,
  TriggerScheduleResponse,
  UpdateScheduleBody,
} from '../../api/schedule-schemas.js';
import { toIso } from '../../core/clock.js';
import type { SchedulesService } from '../../service/schedules-service.js';
import { toScheduleDetail, toScheduleFireResponse, toScheduleResponse } from '../schedule-presenters.js';
import { errorResponses } from './responses.js';

const pagination = (page: number, limit: number, total: number) => ({ page, limit, total, totalPages: Math.ceil(total / limit) });
const MANAGED = 'A schedule declared in a workflow file (source `definition`) answers 409 `schedule_managed_by_definition`.';

/** Schedules (SPEC §8): cron calendars that start runs of a workflow. */
export function registerScheduleRoutes(app: FastifyInstance, deps: { schedules: SchedulesService }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { schedules } = deps;

  api.post('/schedules', {
    schema: {
      operationId: 'createSchedule',
      summary: 'Create a schedule',
      description: 'Bad cron or timezone: 400 `invalid_request` with details; inputs that do not match the published input schema: 400 ' +
        '`invalid_inputs`. A workflow without a published version may be scheduled (its fires record `workflow_not_published`).',
      tags: ['schedules'],
      body: CreateScheduleBody,
      response: { 201: ScheduleSchema, ...errorResponses(400, 404, 413, 415) },
    },
  }, async (request, reply) => {
    const { workflow_id: workflowId, ...changes } = request.body;
    const created = await schedules.createSchedule(request.caller.workspaceId, workflowId, changes);
    return reply.status(201).send(toScheduleDetail(created));
  });

  api.get('/schedules', {
    schema: {
      operationId: 'listSchedules',
      summary: 'List schedules',
      description: 'Newest first, optionally of one workflow.',
      tags: ['schedules'],
      querystring: ListSchedulesQuery,
      response: { 200: ListSchedulesResponse, ...errorResponses(400) },
    },
  }, async (request) => {
    const page = request.query.page ?? 1;
    const limit = request.query.limit ?? 15;
    const { items, total } = await schedules.listSchedules(request.caller.workspaceId, { workflowId: request.query.workflow_id, page, limit });
    return { data: items.map((view) => toScheduleResponse(view.schedule)), pagination: pagination(page, limit, total) };
  });

  api.get('/schedules/preview', {
    schema: {
      operationId: 'previewSchedule',
      summary: 'Preview a calendar (dashboard extension)',
      description: 'The next fire times of `cron` in `timezone`, with the same rules and errors as saving a schedule.',
      tags: ['schedules'],
      querystring: PreviewScheduleQuery,
      response: { 200: PreviewScheduleResponse, ...errorResponses(400) },
    },
  }, async (request) => {
    const { cron, timezone, count } = request.query;
    return { upcoming: schedules.preview(cron, timezone ?? 'UTC', count ?? 5).map(toIso) };
  });

  api.get('/schedules/:scheduleId', {
    schema: {
      operationId: 'getSchedule',
      summary: 'Get a schedule',
      description: 'With `upcoming`: the next 5 fire times (none while paused).',
      tags: ['schedules'],
      params: ScheduleIdParams,
      response: { 200: ScheduleSchema, ...errorResponses(404) },
    },
  }, async (request) => toScheduleDetail(await schedules.getSchedule(request.caller.workspaceId, request.params.scheduleId)));

  api.patch('/schedules/:scheduleId', {
    schema: {
      operationId: 'updateSchedule',
      summary: 'Change a schedule',
      description: `Fields not given keep their value; a changed calendar starts from now. ${MANAGED}`,
      tags: ['schedules'],
      params: ScheduleIdParams,
      body: UpdateScheduleBody,
      response: { 200: ScheduleSchema, ...errorResponses(400, 404, 409, 413, 415) },
    },
  }, async (request) => toScheduleDetail(await schedules.updateSchedule(request.caller.workspaceId, request.params.scheduleId, request.body)));

  api.delete('/schedules/:scheduleId', {
    schema: {
      operationId: 'deleteSchedule',
      summary: 'Delete a schedule',
      description: `Deletes the schedule and its fires; its runs stay. ${MANAGED}`,
      tags: ['schedules'],
      params: ScheduleIdParams,
      response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses(404, 409) },
    },
  }, async (request, reply) => {
    await schedules.deleteSchedule(request.caller.workspaceId, request.params.scheduleId);
    return reply.status(204).send();
  });

  for (const action of ['pause', 'resume'] as const) {
    api.post(`/schedules/:scheduleId/${action}`, {
      schema: {
        operationId: action === 'pause' ? 'pauseSchedule' : 'resumeSchedule',
        summary: action === 'pause' ? 'Pause a schedule' : 'Resume a schedule',
        description: action === 'pause'
          ? 'No fires while paused (trigger still fires). Allowed on definition schedules.'
          : 'Fires again from the next time after now; the paused period is not caught up. Allowed on definition schedules.',
        tags: ['schedules'],
        params: ScheduleIdParams,
        response: { 200: ScheduleSchema, ...errorResponses(404) },
      },
    }, async (request) => {
      const id = request.params.scheduleId;
      const workspaceId = request.caller.workspaceId;
      return toScheduleDetail(action === 'pause' ? await schedules.pauseSchedule(workspaceId, id) : await schedules.resumeSchedule(workspaceId, id));
    });
  }

  api.post('/schedules/:scheduleId/trigger', {
    schema: {
      operationId: 'triggerSchedule',
      summary: 'Fire a schedule now',
      description: 'Fires now, also when paused; overlap and the run limits apply. The answer has the `fire` it recorded.',
      tags: ['schedules'],
      params: ScheduleIdParams,
      response: { 200: TriggerScheduleResponse, ...errorResponses(404) },
    },
  }, async (request) => {
    const { fire, ...view } = await schedules.triggerSchedule(request.caller.workspaceId, request.params.scheduleId);
    return { ...toScheduleDetail(view), fire: toScheduleFireResponse(fire) };
  });

  api.get('/schedules/:scheduleId/fires', {
    schema: {
      operationId: 'listScheduleFires',
      summary: 'List a schedule\'s fires',
      description: 'Every fire with its outcome (refused ones included), newest first; kept 30 days.',
      tags: ['schedules'],
      params: ScheduleIdParams,
      querystring: ListFiresQuery,
      response: { 200: ListFiresResponse, ...errorResponses(400, 404) },
    },
  }, async (request) => {
    const page = request.query.page ?? 1;
    const limit = request.query.limit ?? 15;
    const { items, total } = await schedules.listFires(request.caller.workspaceId, request.params.scheduleId, { page, limit });
    return { data: items.map(toScheduleFireResponse), pagination: pagination(page, limit, total) };
  });
}
