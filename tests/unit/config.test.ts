import assert from "node:assert/strict";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../server/config.ts";

describe("loadConfig", () => {
  it("applies the documented defaults to an empty environment", () => {
    assert.deepEqual(loadConfig({}), {
      port: 8080, listen: "0.0.0.0", dataDir: resolve("./data"), databaseUrl: undefined,
      adminPassword: undefined, secretKey: undefined, logLevel: "info", callbackUrl: undefined, aliyunEndpointOverride: undefined,
      prometheusUrl: undefined, metricsToken: undefined, prometheusFileSdPath: resolve("./data/prometheus/hostd-targets.json"),
      simulatorDeviceRoot: undefined,
    });
  });

  it("treats blank variables as unset", () => {
    const c = loadConfig({ STRATA_PORT: "", DATABASE_URL: "", STRATA_LOG_LEVEL: "" });
    assert.equal(c.port, 8080);
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.logLevel, "info");
  });

  it("reads every variable, resolving the data directory to an absolute path", () => {
    const key = "ab".repeat(32);
    const c = loadConfig({
      STRATA_PORT: "9090", STRATA_LISTEN: "127.0.0.1", STRATA_DATA_DIR: "rel/dir",
      DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/postgres", STRATA_ADMIN_PASSWORD: "long-enough",
      STRATA_SECRET_KEY: key, STRATA_LOG_LEVEL: "debug", STRATA_CALLBACK_URL: "http://192.0.2.1:8080/",
      ALIYUN_ENDPOINT_OVERRIDE: "http://127.0.0.1:8090/", PROMETHEUS_URL: "http://127.0.0.1:9090/",
      STRATA_METRICS_TOKEN: "t".repeat(16), PROMETHEUS_FILE_SD_PATH: "rel/targets.json",
      STRATA_SIMULATOR_DEVICE_ROOT: "tests/fixtures/sysfs/gpu-host",
    });
    assert.deepEqual(c, {
      port: 9090, listen: "127.0.0.1", dataDir: resolve("rel/dir"), databaseUrl: "postgresql://postgres@127.0.0.1:5432/postgres",
      adminPassword: "long-enough", secretKey: key, logLevel: "debug", callbackUrl: "http://192.0.2.1:8080",
      aliyunEndpointOverride: "http://127.0.0.1:8090",
      prometheusUrl: "http://127.0.0.1:9090", metricsToken: "t".repeat(16), prometheusFileSdPath: resolve("rel/targets.json"),
      simulatorDeviceRoot: resolve("tests/fixtures/sysfs/gpu-host"),
    });
  });

  it("ignores unrelated variables", () => {
    assert.equal(loadConfig({ PATH: "/bin", HOME: "/root" }).port, 8080);
  });

  for (const bad of ["abc", "70000", "-1", "80.5"]) {
    it(`rejects STRATA_PORT=${bad} with an error naming STRATA_PORT`, () => {
      assert.throws(() => loadConfig({ STRATA_PORT: bad }), (e: Error) => {
        assert.match(e.message, /invalid configuration/);
        assert.match(e.message, /STRATA_PORT/);
        return true;
      });
    });
  }

  it("names each invalid variable at once", () => {
    assert.throws(() => loadConfig({ STRATA_ADMIN_PASSWORD: "short", STRATA_SECRET_KEY: "xyz", STRATA_LOG_LEVEL: "loud" }), (e: Error) => {
      assert.match(e.message, /STRATA_ADMIN_PASSWORD.*at least 8/);
      assert.match(e.message, /STRATA_SECRET_KEY.*64 hex/);
      assert.match(e.message, /STRATA_LOG_LEVEL/);
      return true;
    });
  });

  it("rejects a DATABASE_URL that is not a URL, naming it", () => {
    assert.throws(() => loadConfig({ DATABASE_URL: "not a url" }), /DATABASE_URL/);
  });
});
