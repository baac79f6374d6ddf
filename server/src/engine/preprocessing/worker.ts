/** Worker-thread entry for pool.ts: runs one task per message and replies with its result or error. */
import { parentPort } from 'node:worker_threads';
import { runTask, transferables, type TaskMessage, type TaskReply } from './tasks';

parentPort?.on('message', (msg: TaskMessage) => {
  runTask(msg.kind, msg.payload).then(
    (result) => {
      const reply: TaskReply = { id: msg.id, ok: true, result };
      parentPort!.postMessage(reply, transferables(result));
    },
    (err: unknown) => {
      const e = err as { message?: string; file?: string };
      const reply: TaskReply = { id: msg.id, ok: false, message: e?.message ?? String(err), file: e?.file };
      parentPort!.postMessage(reply);
    },
  );
});
