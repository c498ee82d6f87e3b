import Foundation

/// What residents who asked for alerts about an area hear of an incident there: planned works
/// announced, work or a fault started, news of it, its end, or planned works cancelled.
public enum AreaAlertKind: String, Sendable, CaseIterable {
    case announced, started, changed, ended, cancelled
}

/// One alert of an incident as stored: due at `dueAt`, queued for its subscribers once (`queued`).
public struct AreaAlertRecord: Sendable, Equatable {
    public var id: Int64
    public var kind: AreaAlertKind
    public var dueAt: Date
    public var queued: Bool

    public init(id: Int64, kind: AreaAlertKind, dueAt: Date, queued: Bool) {
        (self.id, self.kind, self.dueAt, self.queued) = (id, kind, dueAt, queued)
    }
}

/// A change to an incident's alerts.
public enum AreaAlertStep: Sendable, Equatable {
    case add(AreaAlertKind, dueAt: Date)
    case move(id: Int64, dueAt: Date)
    case drop(id: Int64)
}

/// No alert leaves at night: one due between `start` and `end` o'clock, local time, waits
/// until `end`. Replies and confirmations are not alerts and are never held.
public struct QuietHours: Sendable, Equatable {
    public var start = 20
    public var end = 7

    public init(start: Int = 20, end: Int = 7) { (self.start, self.end) = (start, end) }

    /// When an alert due at `date` may leave: `date` itself, or the end of the quiet hours it falls in.
    public func release(_ date: Date, calendar: MunicipalCalendar) -> Date {
        let hour = calendar.hour(of: date)
        guard hour >= start || hour < end else { return date }
        let day = hour >= start ? calendar.startOfNextDay(date) : calendar.startOfDay(date)
        return calendar.at(hour: end, on: day)
    }

    /// `release(now)` when `now` is quiet, else nil.
    public func quietUntil(_ now: Date, calendar: MunicipalCalendar) -> Date? {
        let until = release(now, calendar: calendar)
        return until > now ? until : nil
    }
}

/// When an incident's alerts fall due. Planned works announced more than a day ahead are told the
/// evening before (18:00 local), else at once; their start when they start; news at once; the
/// end at once. An alert not yet queued carries the incident as it stands when it is, so news
/// before the announcement goes with it, and nothing is told of planned works cancelled before
/// anyone heard of them.
public enum AreaAlertSchedule {
    /// The evening before hour, local time.
    public static let eveningHour = 18

    /// The alerts of a newly declared incident.
    public static func declared(_ incident: Incident, now: Date, calendar: MunicipalCalendar) -> [AreaAlertStep] {
        guard let start = incident.startsAt, start > now else { return [.add(.started, dueAt: now)] }
        return [.add(.announced, dueAt: announcement(start: start, now: now, calendar: calendar)), .add(.started, dueAt: start)]
    }

    /// After a public update (`news`: a description or a time changed) of `incident`, now `after`.
    public static func updated(_ before: Incident, _ after: Incident, news: Bool, alerts: [AreaAlertRecord], now: Date,
                               calendar: MunicipalCalendar) -> [AreaAlertStep] {
        var steps: [AreaAlertStep] = []
        let pending = alerts.filter { !$0.queued }
        if let start = after.startsAt, start != before.startsAt, start > now {
            for a in pending where a.kind == .started { steps.append(.move(id: a.id, dueAt: start)) }
            for a in pending where a.kind == .announced {
                steps.append(.move(id: a.id, dueAt: announcement(start: start, now: now, calendar: calendar)))
            }
        }
        // Nobody has heard of it yet, or news is already waiting to go: that alert carries this too.
        let told = alerts.contains { $0.queued }
        guard news, told, !pending.contains(where: { $0.kind == .changed || ($0.kind == .started && $0.dueAt <= now) }) else { return steps }
        return steps + [.add(.changed, dueAt: now)]
    }

    /// At the closing: what has not gone yet is dropped; those who heard of it hear of its end
    /// (or, before it started, that it is cancelled).
    public static func closed(_ incident: Incident, alerts: [AreaAlertRecord], now: Date) -> [AreaAlertStep] {
        let drops = alerts.filter { !$0.queued }.map { AreaAlertStep.drop(id: $0.id) }
        guard alerts.contains(where: \.queued) else { return drops }
        return drops + [.add(incident.phase(at: now) == .cancelled ? .cancelled : .ended, dueAt: now)]
    }

    /// The evening before `start` at 18:00 when it is more than a day ahead, else now.
    static func announcement(start: Date, now: Date, calendar: MunicipalCalendar) -> Date {
        guard start.timeIntervalSince(now) > 24 * 3600 else { return now }
        let evening = calendar.at(hour: eveningHour, on: calendar.startOfDay(calendar.startOfDay(start).addingTimeInterval(-3600)))
        return max(now, min(evening, start))
    }
}

extension MunicipalCalendar {
    /// The local hour (0-23) of `date`.
    public func hour(of date: Date) -> Int { calendar.component(.hour, from: date) }

    /// `hour` o'clock, local time, on the day starting at `day` (a local midnight).
    public func at(hour: Int, on day: Date) -> Date {
        calendar.date(byAdding: DateComponents(hour: hour), to: day) ?? day.addingTimeInterval(Double(hour) * 3600)
    }
}
