import Prometheus
import Store

/// The SQLite writer's figures on `/metrics`. Every hop that stores something (every ticket among
/// them) is committed by the one writer, in rounds (`HopCommitter`), so the wait for the writer is
/// where replies slow first as reports grow, and what tells an operator that one machine is no
/// longer enough (`docs/scaling.md`): `civicgate_hop_commit_wait_seconds`, each such hop's wait
/// from being handed over to its round's start, and `civicgate_writer_round_seconds`, each round
/// to its commit.
enum WriterFigures {
    static let buckets: [Duration] = [100, 250, 500, 1_000, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 50_000, 100_000, 250_000]
        .map { .microseconds($0) }

    static func record(_ database: AppDatabase, into registry: PrometheusCollectorRegistry) {
        let wait = registry.makeDurationHistogram(
            name: "civicgate_hop_commit_wait_seconds", buckets: buckets,
            help: "How long a hop that stores something (a ticket, STOP, an SMS reply) waited for the SQLite writer")
        let round = registry.makeDurationHistogram(
            name: "civicgate_writer_round_seconds", buckets: buckets,
            help: "How long the SQLite writer took to commit a round of hops, fsync included")
        database.observeRounds { figures in
            for waited in figures.waits { wait.record(waited) }
            round.record(figures.duration)
        }
    }
}
