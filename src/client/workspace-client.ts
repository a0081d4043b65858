import type { UpdateWorkspaceBody, WorkspaceSchema } from '../api/workspace-schemas.js';

type WorkspaceRequest = <T>(method: string, path: string, body?: unknown) => Promise<{ data: T }>;

/**
 * The workspace methods of the client (SPEC §17 retention), mixed into `createSlipwayClient`.
 * @example
 * await client.updateWorkspace({ retention: { completed: '30d', failed: '90d', canceled: null } });
 * const { retention } = await client.getWorkspace();
 */
export function workspaceMethods(request: WorkspaceRequest) {
  return {
    /** The token's workspace: its limits and how long it keeps finished runs. */
    async getWorkspace(): Promise<WorkspaceSchema> {
      return (await request<WorkspaceSchema>('GET', '/workspace')).data;
    },
    /** Changes the retentions given (null: keep forever); the others stay. */
    async updateWorkspace(body: UpdateWorkspaceBody): Promise<WorkspaceSchema> {
      return (await request<WorkspaceSchema>('PATCH', '/workspace', body)).data;
    },
  };
}
