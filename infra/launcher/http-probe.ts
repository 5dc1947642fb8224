/** Resolves when GET url answers 200 within timeoutMs. */
export async function httpOk(url: string, headers: Record<string, string> = {}, timeoutMs = 3_000): Promise<void> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
}
