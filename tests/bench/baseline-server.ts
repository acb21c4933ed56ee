/**
 * The baseline of the API read benchmark: a bare express + pg server answering the same three
 * VM queries as Strata with hand-written SQL, no authentication, no validation, no audit —
 * the floor any framework cost is measured against. Run as its own process by api-read.ts:
 *   DATABASE_URL=... PORT=... tsx tests/bench/baseline-server.ts
 */
import express from "express";
import pg from "pg";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = express();

/** The VMs of one page with their NICs and volumes, as Strata's query returns them. */
async function page(where: string, args: unknown[]): Promise<unknown[]> {
  const vms = await pool.query(`SELECT * FROM "VmInstance" v WHERE ${where} ORDER BY v."createDate", v.uuid LIMIT 100`, args);
  const uuids = vms.rows.map((r) => r.uuid as string);
  const [nics, volumes] = await Promise.all([
    pool.query(`SELECT * FROM "VmNic" WHERE "vmInstanceUuid" = ANY($1)`, [uuids]),
    pool.query(`SELECT * FROM "Volume" WHERE "vmInstanceUuid" = ANY($1)`, [uuids]),
  ]);
  return vms.rows.map((vm) => ({
    ...vm,
    vmNics: nics.rows.filter((n) => n.vmInstanceUuid === vm.uuid),
    allVolumes: volumes.rows.filter((v) => v.vmInstanceUuid === vm.uuid),
  }));
}

app.get("/v1/vm-instances", async (req, res) => {
  const q = String(req.query.q ?? "");
  let inventories: unknown[];
  if (q === "state=Running") {
    inventories = await page(`v.state = $1`, ["Running"]);
  } else if (q.startsWith("__systemTag__=")) {
    inventories = await page(`v.uuid IN (SELECT "resourceUuid" FROM "SystemTag" WHERE "resourceType" = 'VmInstance' AND tag = $1)`, [q.slice("__systemTag__=".length)]);
  } else if (q.startsWith("vmNics.ip=")) {
    inventories = await page(`EXISTS (SELECT 1 FROM "VmNic" n WHERE n."vmInstanceUuid" = v.uuid AND n.ip = $1)`, [q.slice("vmNics.ip=".length)]);
  } else {
    res.status(400).json({ error: "unsupported" });
    return;
  }
  res.json({ inventories });
});

const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const addr = server.address();
  process.stdout.write(`LISTENING ${typeof addr === "object" && addr ? addr.port : ""}\n`);
});
