import Domain
import FlowDefinitions
@testable import FlowEngine
import TestSupport
import Testing

@Suite struct ScreenCacheTests {
    /// A kept screen is the screen drawn afresh for every position a caller can be in: every
    /// state, language, depth, page, re-ask, first call or not, and service; asked for twice (the
    /// second answer comes from the cache), on USSD and on SMS.
    @Test func keptScreensAreTheScreensDrawn() throws {
        let shipped = try shippedDefinitions()
        for settings in [FlowEngine.Settings(), .sms] {
            let engine = FlowEngine(flow: shipped.flow, catalogue: shipped.catalogue, locales: shipped.locales, settings: settings)
            #expect(!engine.screens.fixed.isEmpty)
            var kept = 0
            for (id, state) in engine.flow.states {
                let list: Bool = if case .list = state.kind { true } else { false }
                let faults: Bool = if case .list(_, .faults, _, _) = state.kind { true } else { false }
                let services = [nil] + (faults ? engine.catalogue.services.map(\.code) + ["no-such-service"] : [])
                var sessions: [Session] = []
                for language in engine.locales.codes + [nil] {
                    for service in services {
                        for depth in 0...2 {
                            for page in 0...(list ? 2 : 1) {
                                for privacy in (id == engine.flow.start ? [false, true] : [false]) {
                                    var session = Session(language: language, state: id, page: page,
                                                          trail: Array(repeating: engine.flow.start, count: depth))
                                    if let service { session.slots["service"] = service }
                                    if privacy { session.slots["privacy"] = "1" }
                                    sessions.append(session)
                                }
                            }
                        }
                    }
                }
                for session in sessions {
                    for invalid in [false, true] {
                        let drawn = engine.draw(session, invalid: invalid)
                        if engine.screenKey(session, invalid: invalid) != nil { kept += 1 }
                        _ = engine.render(session, invalid: invalid)
                        #expect(engine.render(session, invalid: invalid) == drawn, "\(id) \(session), invalid: \(invalid)")
                    }
                }
            }
            #expect(kept > 500)
        }
    }

    /// A screen showing an answer is drawn every time, never kept.
    @Test func screensWithAnswersAreNotKept() throws {
        let engine = try shippedDefinitions().engine()
        let withAnswers = engine.flow.states.values.filter { state in
            engine.locales.ordered.contains { locale in
                switch state.kind {
                case .menu(let p, _), .input(let p, _, _, _, _), .list(let p, _, _, _), .end(let p): !Template.names(in: locale.strings[p] ?? "").isEmpty
                case .action: false
                }
            }
        }
        #expect(!withAnswers.isEmpty)
        for state in withAnswers { #expect(!engine.screens.fixed.contains(state.id), "\(state.id)") }
    }
}
