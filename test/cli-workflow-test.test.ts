import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from './support/cli.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { tempDir } from './support/test-server.js';

const EXAMPLE_TESTS = fileURLToPath(new URL('../examples/tests/', import.meta.url));

const WORKFLOW = `name: Fetch and shape
inputs:
  - { variableName: url, type: url, required: true }
  - { variableName: names, type: json, default: [a, b] }
steps:
  - id: page
    type: http
    with: { url: "{{ inputs.url }}" }
  - id: each
    type: map
    with:
      items: "{{ inputs.names }}"
      steps:
        - { id: shout, type: http, with: { url: "{{ inputs.url }}/{{ item }}" } }
  - id: shaped
    type: transform
    with:
      value: { status: "{{ steps.page.output.status }}", shouted: "{{ steps.each.output }}" }
output: "{{ steps.shaped.output }}"
`;

describe('slipway test (SPEC §14)', () => {
  const dir = tempDir('slipway-workflow-test-');
  // Points the CLI at a database that does not exist: `slipway test` must not need one.
  const env = { SLIPWAY_DATABASE_URL: 'postgres://slipway:x@127.0.0.1:9/none?connect_timeout=2', SLIPWAY_TOKEN: '' };
  let peer: HttpPeer;
  before(async () => {
    writeFileSync(join(dir.path, 'fetch.yaml'), WORKFLOW);
    peer = await startHttpPeer((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ path: request.path }));
    });
  });
  after(async () => {
    await peer.close();
    dir.remove();
  });

  const write = (name: string, text: string) => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  };

  it('passes the shipped example test files, a line per case and the closing line, exit code 0', async () => {
    const result = await runCli(['test', join(EXAMPLE_TESTS, 'brand-brief.test.yaml'), join(EXAMPLE_TESTS, 'hello.test.yaml')], env);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.filter((l) => l.startsWith('ok ')).length, 3, result.stdout);
    assert.match(lines.at(-1)!, /^3 passed, 0 failed$/);
  });

  it('mocks steps by id, also map sub-steps, with outputs and errors, and checks status, output (deep or JSONata) and steps', async () => {
    const file = write('fetch.test.yaml', `workflow: ./fetch.yaml
cases:
  - name: all mocked
    inputs: { url: "https://example.com" }
    mocks:
      page: { output: { status: 200, body: hi } }
      shout: { output: LOUD }
    expect:
      output: { status: 200, shouted: [LOUD, LOUD] }
      steps: { page: { status: COMPLETED, output: { status: 200, body: hi } }, "each[1].shout": { status: COMPLETED } }
  - name: a JSONata expectation
    inputs: { url: "https://example.com", names: [x] }
    mocks: { page: { output: { status: 201 } }, shout: { output: 1 } }
    expect: { output: "{{ output.status = 201 and $count(output.shouted) = 1 }}" }
  - name: a mocked error fails the run at once
    inputs: { url: "https://example.com" }
    mocks: { page: { error: { message: rate limited } } }
    expect: { status: FAILED, error: { message: rate limited }, steps: { page: { status: FAILED, error: { message: rate limited } } } }
`);
    const result = await runCli(['test', file], env);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^3 passed, 0 failed$/m);
  });

  it('fails cases whose expectations do not hold, says why, exits non-zero and writes JUnit XML', async () => {
    const file = write('failing.test.yaml', `workflow: ./fetch.yaml
cases:
  - name: passes
    inputs: { url: "https://example.com" }
    mocks: { page: { output: { status: 200 } }, shout: { output: 1 } }
  - name: wrong output
    inputs: { url: "https://example.com" }
    mocks: { page: { output: { status: 500 } }, shout: { output: 1 } }
    expect: { output: { status: 200, shouted: [1, 1] } }
  - name: expression <false> & "quoted"
    inputs: { url: "https://example.com" }
    mocks: { page: { output: { status: 500 } }, shout: { output: 1 } }
    expect: { output: "{{ output.status < 300 }}" }
  - name: unmocked http is refused
    inputs: { url: "https://example.com" }
    expect: { status: COMPLETED }
  - name: a mock naming no step
    mocks: { pgae: { output: 1 } }
`);
    const junit = join(dir.path, 'results.xml');
    const result = await runCli(['test', file, '--junit', junit], env);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^ok +.*› passes/m);
    assert.match(result.stdout, /^FAIL .*› wrong output/m);
    assert.match(result.stdout, /output: expected \{"status":200,"shouted":\[1,1\]\}, got \{"status":500,"shouted":\[1,1\]\}/);
    assert.match(result.stdout, /output: \{\{ output\.status < 300 \}\} is false, not true/);
    assert.match(result.stdout, /status: expected COMPLETED, got FAILED \(WORKFLOW_FAILED: Step "page" failed: step "page" \(http\) is not mocked; add a mock for it or run slipway test with --allow-network\)/);
    assert.match(result.stdout, /mocks: pgae name no step of the workflow/);
    assert.match(result.stdout, /^1 passed, 4 failed$/m);

    assert.ok(existsSync(junit));
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
    assert.match(xml, /<testsuites name="slipway test" tests="5" failures="4"/);
    assert.equal((xml.match(/<testcase /g) ?? []).length, 5);
    assert.match(xml, /<testcase name="passes" classname="[^"]*failing\.test\.yaml" time="\d+\.\d{3}"\/>/);
    assert.match(xml, /<testcase name="expression &lt;false&gt; &amp; &quot;quoted&quot;"/);
    assert.equal((xml.match(/<failure message=/g) ?? []).length, 4);
  });

  it('lets unmocked http steps through with --allow-network', async () => {
    const file = write('network.test.yaml', `workflow: ./fetch.yaml
cases:
  - name: real requests
    inputs: { url: "${peer.url}", names: [one] }
    expect:
      output: { status: 200, shouted: [{ status: 200, headers: "{{ true }}", body: { path: /one } }] }
`);
    const refused = await runCli(['test', file], { ...env, SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' });
    assert.equal(refused.code, 1);
    assert.equal(peer.requests.length, 0, 'no request left without --allow-network');
    const allowed = await runCli(['test', file, '--allow-network'], { ...env, SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' });
    assert.match(allowed.stdout, /real requests/);
    assert.ok(peer.count('/') >= 1 && peer.count('/one') >= 1, JSON.stringify(peer.requests.map((r) => r.path)));
  });

  it('gives the file\'s secrets to steps and masks them in the output', async () => {
    writeFileSync(join(dir.path, 'keyed.yaml'), `name: Keyed
steps:
  - id: call
    type: http
    with: { url: "${peer.url}/keyed", headers: { Authorization: "Bearer {{ secrets.API_KEY }}" } }
output: "{{ steps.call.output.body }}"
`);
    const file = write('keyed.test.yaml', `workflow: ./keyed.yaml
secrets: { API_KEY: test-value-123 }
cases:
  - name: the key reaches the peer
    expect:
      status: COMPLETED
`);
    const result = await runCli(['test', file, '--allow-network'], { ...env, SLIPWAY_HTTP_ALLOW_PRIVATE: 'true' });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const request = peer.requests.find((r) => r.path === '/keyed');
    assert.equal(request?.headers.authorization, 'Bearer test-value-123');
  });

  it('reports a broken test file or workflow with its place, as a failure', async () => {
    const broken = write('broken.test.yaml', 'workflow: ./fetch.yaml\ncases:\n  - name: x\n    mocks: { page: { outptu: 1 } }\n');
    const result = await runCli(['test', broken], env);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /FAIL .*› \(test file\)/);
    assert.match(result.stdout, /line 4, column \d+: cases\.0\.mocks\.page/);
    write('cyclic.yaml', 'name: C\nsteps:\n  - { id: a, type: transform, needs: [a], with: { value: 1 } }\n');
    const cyclic = await runCli(['test', write('cyclic.test.yaml', 'workflow: ./cyclic.yaml\ncases: [{ name: x }]\n')], env);
    assert.equal(cyclic.code, 1);
    assert.match(cyclic.stdout, /steps\[0\]\.needs\[0\]: line 3, column 39: step "a" needs itself/);
    assert.match(cyclic.stdout, /^0 passed, 1 failed$/m);
  });
});
