// ws_server.mjs — a WebSocket server on the npm `ws` package, for
// grove::web's client tests. It listens on 127.0.0.1 (a free port, printed
// as "port:N" first) and prints one line per event on stdout:
//   connect:PATH | text:DATA | binary:HEX | ping | pong | close:CODE:REASON
// It echoes text and binary messages; the text "ping-me" makes it ping the
// client, "close-me" makes it close with 4000 "bye". It exits after the
// first connection closes, or after 15 s (exit status 2).
import { WebSocketServer } from "ws";

const print = (line) => process.stdout.write(line + "\n");
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
wss.on("listening", () => print("port:" + wss.address().port));
wss.on("connection", (ws, req) => {
  print("connect:" + req.url);
  ws.on("message", (data, isBinary) => {
    print(isBinary ? "binary:" + Buffer.from(data).toString("hex") : "text:" + data.toString());
    if (!isBinary && data.toString() === "ping-me") ws.ping();
    else if (!isBinary && data.toString() === "close-me") ws.close(4000, "bye");
    else ws.send(data, { binary: isBinary });
  });
  ws.on("ping", () => print("ping"));
  ws.on("pong", () => print("pong"));
  ws.on("close", (code, reason) => {
    print("close:" + code + ":" + reason.toString());
    wss.close();
    process.exit(0);
  });
});
setTimeout(() => {
  print("timeout");
  process.exit(2);
}, 15000);
