// undici_client.mjs BASE_URL — the npm `undici` client (the HTTP engine of
// Node's fetch) against grove's HttpServer, for http_server_test.cpp. One
// undici Client (one keep-alive connection, pipelining 4) sends ten GETs at
// once, a POST with a body, a GET of a chunked streaming answer and a GET of
// a missing path; then a body past the server's limit (413). It prints one
// line per answer on stdout and exits 0, or prints error:MESSAGE and exits 1.
import { Client } from "undici";

const base = process.argv[2];
const print = (line) => process.stdout.write(line + "\n");
try {
  const client = new Client(base, { pipelining: 4, headersTimeout: 8000, bodyTimeout: 8000 });
  const gets = await Promise.all(
    Array.from({ length: 10 }, (_, i) => client.request({ path: `/items/${i}`, method: "GET" })),
  );
  for (const r of gets) print(`get ${r.statusCode} ${await r.body.text()}`);
  const post = await client.request({ path: "/echo", method: "POST", body: "hello undici" });
  print(`post ${post.statusCode} ${await post.body.text()}`);
  const s = await client.request({ path: "/stream", method: "GET" });
  print(`stream ${s.statusCode} ${s.headers["transfer-encoding"]} ${JSON.stringify(await s.body.text())}`);
  const missing = await client.request({ path: "/nothing", method: "GET" });
  await missing.body.dump();
  print(`missing ${missing.statusCode}`);
  const big = await client.request({ path: "/echo", method: "POST", body: "x".repeat(5000) });
  await big.body.dump();
  print(`big ${big.statusCode} ${big.headers["connection"]}`);
  await client.close();
} catch (e) {
  print(`error:${e.message}`);
  process.exit(1);
}
