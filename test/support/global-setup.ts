import { createConnection } from "mysql2/promise";
import { MYSQL_URL } from "./databases.js";

/** Fails the run at once, with a clear message, when MariaDB is not reachable. */
export default async function checkMariaDb(): Promise<void> {
  const server = new URL(MYSQL_URL);
  try {
    const connection = await createConnection({
      host: server.hostname,
      port: Number(server.port || 3306),
      user: decodeURIComponent(server.username),
      password: decodeURIComponent(server.password),
      connectTimeout: 5000,
    });
    await connection.end();
  } catch (error) {
    throw new Error(`MariaDB/MySQL is not reachable at ${server.host} (set DATABASE_URL, or start it as .ci/run does): ${String(error)}`);
  }
}
