import Foundation
import PostgresNIO
import OrchPostgres

/// The orch schema's versions. Append only: never edit a migration that has
/// shipped; add the next one.
enum Migrations {
    struct Migration: Sendable {
        var version: Int
        var name: String
        var sql: String
    }

    static let all: [Migration] = [
        Migration(version: 1, name: "runs, task runs, attempts", sql: """
        CREATE TABLE orch.runs (
            id            text PRIMARY KEY,
            pipeline      text NOT NULL,
            pipeline_file text NOT NULL,
            trigger       text NOT NULL,
            logical_time  timestamptz NOT NULL,
            params        jsonb NOT NULL DEFAULT '{}',
            spec_hash     text NOT NULL,
            status        text NOT NULL,
            message       text,
            host          text,
            pid           integer,
            run_dir       text,
            started_at    timestamptz NOT NULL,
            finished_at   timestamptz,
            heartbeat_at  timestamptz
        );
        CREATE INDEX runs_started_idx ON orch.runs (started_at DESC);
        CREATE INDEX runs_pipeline_started_idx ON orch.runs (pipeline, started_at DESC);
        CREATE INDEX runs_active_idx ON orch.runs (heartbeat_at) WHERE status = 'running';

        CREATE TABLE orch.task_runs (
            run_id      text NOT NULL REFERENCES orch.runs (id) ON DELETE CASCADE,
            task_id     text NOT NULL,
            position    integer NOT NULL,
            state       text NOT NULL,
            message     text,
            attempts    integer NOT NULL DEFAULT 0,
            started_at  timestamptz,
            finished_at timestamptz,
            PRIMARY KEY (run_id, task_id)
        );

        CREATE TABLE orch.attempts (
            run_id      text NOT NULL,
            task_id     text NOT NULL,
            attempt     integer NOT NULL,
            status      text NOT NULL,
            started_at  timestamptz NOT NULL,
            finished_at timestamptz,
            duration_ms bigint,
            error_class text,
            error       text,
            exit_code   integer,
            log_path    text NOT NULL,
            log_tail    text,
            output      jsonb,
            PRIMARY KEY (run_id, task_id, attempt),
            FOREIGN KEY (run_id, task_id) REFERENCES orch.task_runs (run_id, task_id) ON DELETE CASCADE
        );
        """),
        Migration(version: 2, name: "data-test results and lineage", sql: """
        CREATE TABLE orch.test_results (
            run_id       text NOT NULL,
            task_id      text NOT NULL,
            attempt      integer NOT NULL,
            test_name    text NOT NULL,
            test_type    text NOT NULL,
            model        text NOT NULL,
            column_name  text,
            severity     text NOT NULL,
            status       text NOT NULL,
            failing_rows bigint NOT NULL,
            sample_rows  jsonb NOT NULL DEFAULT '[]',
            sql          text NOT NULL,
            message      text,
            recorded_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (run_id, task_id, attempt),
            FOREIGN KEY (run_id, task_id) REFERENCES orch.task_runs (run_id, task_id) ON DELETE CASCADE
        );
        CREATE INDEX test_results_model_idx ON orch.test_results (model, recorded_at DESC);
        CREATE INDEX test_results_failed_idx ON orch.test_results (recorded_at DESC) WHERE status <> 'pass';

        CREATE TABLE orch.lineage (
            run_id      text NOT NULL,
            task_id     text NOT NULL,
            source      text NOT NULL,
            target      text NOT NULL,
            produced_at timestamptz NOT NULL,
            PRIMARY KEY (run_id, task_id, source, target),
            FOREIGN KEY (run_id, task_id) REFERENCES orch.task_runs (run_id, task_id) ON DELETE CASCADE
        );
        CREATE INDEX lineage_target_idx ON orch.lineage (target, produced_at DESC);
        CREATE INDEX lineage_source_idx ON orch.lineage (source, produced_at DESC);
        """),
        Migration(version: 3, name: "schedule ticks", sql: """
        CREATE TABLE orch.schedule_ticks (
            schedule     text NOT NULL,
            logical_time timestamptz NOT NULL,
            status       text NOT NULL,
            run_id       text,
            claimed_by   text NOT NULL,
            claimed_at   timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (schedule, logical_time)
        );
        CREATE INDEX runs_trigger_started_idx ON orch.runs (trigger, started_at DESC);
        """),
        Migration(version: 4, name: "lineage outlives pruned runs", sql: """
        ALTER TABLE orch.lineage DROP CONSTRAINT lineage_run_id_task_id_fkey;
        CREATE INDEX runs_status_started_idx ON orch.runs (status, started_at);
        """),
        Migration(version: 5, name: "why a tick's run could not start", sql: """
        ALTER TABLE orch.schedule_ticks ADD COLUMN error text;
        """),
        Migration(version: 6, name: "run owners, attempt process groups", sql: """
        ALTER TABLE orch.runs ADD COLUMN owner_token text, ADD COLUMN owner_process text;
        CREATE INDEX runs_owned_idx ON orch.runs (trigger) WHERE owner_token IS NOT NULL OR status = 'running';
        ALTER TABLE orch.attempts ADD COLUMN process_group integer, ADD COLUMN process_stamp text;
        """),
        Migration(version: 7, name: "paused schedules", sql: """
        CREATE TABLE orch.schedule_pauses (
            schedule   text PRIMARY KEY,
            paused     boolean NOT NULL,
            changed_at timestamptz NOT NULL,
            changed_by text NOT NULL
        );
        """),
        Migration(version: 8, name: "run work time across retries", sql: """
        ALTER TABLE orch.runs ADD COLUMN resumed_at timestamptz, ADD COLUMN earlier_ms bigint NOT NULL DEFAULT 0;
        """),
        Migration(version: 9, name: "the latest segmentations, for the web view", sql: """
        CREATE INDEX attempts_segmentation_idx ON orch.attempts (finished_at DESC) WHERE output ? 'segments';
        """),
    ]

    /// A fixed key for `pg_advisory_lock`, so two processes never migrate at once.
    static let lockKey: Int64 = 0x6f72_6368_6d69_6772

    static let bootstrap = """
    CREATE SCHEMA IF NOT EXISTS orch;
    CREATE TABLE IF NOT EXISTS orch.schema_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
    );
    """
}

extension Store {
    /// Applies the migrations not yet applied, each in its own transaction,
    /// under an advisory lock. Returns the versions it applied.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await client.withConnection { connection in
            _ = try await connection.query("SELECT pg_advisory_lock(\(Migrations.lockKey))", logger: logger).collect()
            do {
                func script(_ sql: String) async throws {
                    for statement in SQLScript.split(sql) {
                        _ = try await connection.query(PostgresQuery(unsafeSQL: statement.text), logger: logger).collect()
                    }
                }
                try await script("SET client_min_messages = warning; " + Migrations.bootstrap)
                var applied = Set<Int>()
                for try await version in try await connection.query("SELECT version FROM orch.schema_migrations",
                                                                    logger: logger).decode(Int.self) {
                    applied.insert(version)
                }
                var done: [Int] = []
                for migration in Migrations.all where !applied.contains(migration.version) {
                    let name = migration.name.replacingOccurrences(of: "'", with: "''")
                    try await script("""
                    BEGIN;
                    \(migration.sql);
                    INSERT INTO orch.schema_migrations (version, name) VALUES (\(migration.version), '\(name)');
                    COMMIT;
                    """)
                    done.append(migration.version)
                }
                _ = try await connection.query("SELECT pg_advisory_unlock(\(Migrations.lockKey))", logger: logger).collect()
                return done
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger).collect()
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Migrations.lockKey))", logger: logger).collect()
                throw StoreError("applying orch's schema migrations failed: \(StoreError.describe(error))")
            }
        }
    }

    /// The latest applied schema version.
    public func schemaVersion() async throws -> Int {
        let rows = try await client.query("SELECT coalesce(max(version), 0) FROM orch.schema_migrations", logger: logger)
        for try await v in rows.decode(Int.self) { return v }
        return 0
    }
}
