/** One request seen by a {@link recordingFetch}. */
export interface RecordedRequest {
  url: string;
  method: string;
  authorization: string | null;
  contentType: string | null;
  body: string | null;
}

/** What a scripted answer may be: a JSON body with a status, or a function of the request. */
export type ScriptedAnswer =
  | { status?: number; json?: unknown; text?: string }
  | ((request: RecordedRequest) => Response | Promise<Response>);

/**
 * A fetch that records every request (method, URL, Authorization, Content-Type, body as sent) and
 * answers from a script, one answer per call (the last one repeats).
 */
export function recordingFetch(...answers: ScriptedAnswer[]) {
  const requests: RecordedRequest[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const recorded: RecordedRequest = {
      url: request.url,
      method: request.method,
      authorization: request.headers.get('authorization'),
      contentType: request.headers.get('content-type'),
      body: request.body === null ? null : await request.text(),
    };
    requests.push(recorded);
    const answer = answers[Math.min(requests.length - 1, answers.length - 1)] ?? { json: {} };
    if (typeof answer === 'function') return answer(recorded);
    const body = answer.text ?? JSON.stringify(answer.json ?? {});
    return new Response(body, { status: answer.status ?? 200, headers: { 'content-type': 'application/json' } });
  };
  return { fetch, requests };
}

/** A Globus-shaped token answer. */
export function tokenAnswer(fields: Record<string, unknown> = {}): { json: Record<string, unknown> } {
  return {
    json: {
      access_token: 'AT-answer',
      expires_in: 172800,
      resource_server: 'transfer.api.globus.org',
      scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
      token_type: 'Bearer',
      other_tokens: [],
      ...fields,
    },
  };
}
