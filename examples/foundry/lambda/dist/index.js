// A stand-in for Foundry's instance-management function (the seed builds it from TypeScript
// into dist/ with `npm run build`): it answers the two scheduled actions and API requests
// with what it would do, reading the tables it is given.
const { DynamoDBClient, ScanCommand } = require("@aws-sdk/client-dynamodb");

const db = new DynamoDBClient({});

exports.handler = async (event) => {
  const action = event.action || "request";
  if (action === "autoShutdown") {
    const running = await db.send(new ScanCommand({ TableName: process.env.INSTANCES_TABLE }));
    return { action, checked: running.Count };
  }
  if (action === "prepareSessions") {
    const sessions = await db.send(new ScanCommand({ TableName: process.env.SCHEDULED_SESSIONS_TABLE }));
    return { action, upcoming: sessions.Count };
  }
  return { action, statusCode: 400, body: "unknown action" };
};
