// ws_client.mjs URL ACTION... — a WebSocket client on the npm `ws` package
// for grove::web's tests. It prints one line per event on stdout:
//   open | text:DATA | binary:HEX | ping | pong | close:CODE:REASON | error:MESSAGE
// and runs the actions in order once open:
//   send:TEXT  sendbin:HEX  ping  wait:MS  close:CODE:REASON  big:BYTES (one text message of BYTES 'x')
//   recv:N (wait until N messages have arrived)  pause (stop reading the socket)
// It exits when the connection has closed, or after 8 s (exit status 2).
import WebSocket from "ws";

const [url, ...actions] = process.argv.slice(2);
const ws = new WebSocket(url);
let received = 0;
const waiters = [];
const print = (line) => process.stdout.write(line + "\n");

ws.on("open", async () => {
  print("open");
  for (const a of actions) {
    const [verb, ...rest] = a.split(":");
    const arg = rest.join(":");
    if (verb === "send") ws.send(arg);
    else if (verb === "sendbin") ws.send(Buffer.from(arg, "hex"));
    else if (verb === "ping") ws.ping();
    else if (verb === "big") ws.send("x".repeat(Number(arg)));
    else if (verb === "wait") await new Promise((r) => setTimeout(r, Number(arg)));
    else if (verb === "pause") ws._socket.pause();
    else if (verb === "recv") {
      while (received < Number(arg)) await new Promise((r) => waiters.push(r));
    } else if (verb === "close") {
      const [code, ...reason] = arg.split(":");
      ws.close(Number(code), reason.join(":"));
    }
  }
});
ws.on("message", (data, isBinary) => {
  print(isBinary ? "binary:" + Buffer.from(data).toString("hex") : "text:" + data.toString());
  received++;
  waiters.splice(0).forEach((r) => r());
});
ws.on("ping", () => print("ping"));
ws.on("pong", () => print("pong"));
ws.on("error", (e) => print("error:" + e.message));
ws.on("close", (code, reason) => {
  print("close:" + code + ":" + reason.toString());
  process.exit(0);
});
setTimeout(() => {
  print("timeout");
  process.exit(2);
}, 8000);
