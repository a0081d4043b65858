import type {
  CreateScheduleBody,
  ListFiresQuery,
  ListFiresResponse,
  ListSchedulesQuery,
  ListSchedulesResponse,
  PreviewScheduleResponse,
  Schedule,
  TriggerScheduleResponse,
  UpdateScheduleBody,
} from '../api/schedule-schemas.js';

/** How the client sends one request (its `request`, with auth and the error body handled). */
export type ClientRequest = <T>(method: string, path: string, body?: unknown) => Promise<{ data: T }>;
type Query = (values: Record<string, unknown>) => string;

/**
 * The schedule methods of the client (SPEC §8), mixed into `createSlipwayClient`.
 * @example
 * const schedule = await client.createSchedule({ workflow_id: 'brand-brief', cron: '0 6 * * MON-FRI', timezone: 'Europe/Berlin', inputs: { brandDomain: 'example.com' } });
 * const { data: fires } = await client.listScheduleFires(schedule.schedule_id);
 */
export function scheduleMethods(request: ClientRequest, query: Query) {
  const path = (scheduleId: string, action = '') => `/schedules/${encodeURIComponent(scheduleId)}${action}`;
  return {
    async createSchedule(body: CreateScheduleBody): Promise<Schedule> {
      return (await request<Schedule>('POST', '/schedules', body)).data;
    },
    async listSchedules(filter: ListSchedulesQuery = {}): Promise<ListSchedulesResponse> {
      return (await request<ListSchedulesResponse>('GET', `/schedules${query(filter)}`)).data;
    },
    /** One schedule with its `upcoming` fire times. */
    async getSchedule(scheduleId: string): Promise<Schedule> {
      return (await request<Schedule>('GET', path(scheduleId))).data;
    },
    async updateSchedule(scheduleId: string, body: UpdateScheduleBody): Promise<Schedule> {
      return (await request<Schedule>('PATCH', path(scheduleId), body)).data;
    },
    async deleteSchedule(scheduleId: string): Promise<void> {
      await request<null>('DELETE', path(scheduleId));
    },
    async pauseSchedule(scheduleId: string): Promise<Schedule> {
      return (await request<Schedule>('POST', path(scheduleId, '/pause'))).data;
    },
    async resumeSchedule(scheduleId: string): Promise<Schedule> {
      return (await request<Schedule>('POST', path(scheduleId, '/resume'))).data;
    },
    /** Fires now (also when paused); the answer has the `fire` recorded. */
    async triggerSchedule(scheduleId: string): Promise<TriggerScheduleResponse> {
      return (await request<TriggerScheduleResponse>('POST', path(scheduleId, '/trigger'))).data;
    },
    async listScheduleFires(scheduleId: string, filter: ListFiresQuery = {}): Promise<ListFiresResponse> {
      return (await request<ListFiresResponse>('GET', `${path(scheduleId, '/fires')}${query(filter)}`)).data;
    },
    /** The next fire times of a calendar, checked like a save (dashboard preview). */
    async previewSchedule(cron: string, timezone = 'UTC', count = 5): Promise<PreviewScheduleResponse> {
      return (await request<PreviewScheduleResponse>('GET', `/schedules/preview${query({ cron, timezone, count })}`)).data;
    },
  };
}
