import Domain
import Foundation
import Gateway
import HummingbirdTesting
import TestSupport
import Testing
import Web

/// The ticket page lists its likely duplicates with the reason, and merges one with one click.
@Suite struct LikelyDuplicatePageTests {
    @Test func aDispatcherSeesWhyAndMergesWithOneClick() async throws {
        let world = try TestGateway()
        try await world.user("thandi", moe: "water")
        try await world.user("sipho", moe: "roads")
        let first = try await world.report("water", "burst_pipe", address: "12 Vilakazi St")
        world.clock.advance(2 * 3600)
        let second = try await world.report("water", "burst_pipe", address: "12 vilakazi street, Orlando West")
        world.clock.advance(60)
        let elsewhere = try await world.report("water", "burst_pipe", address: "40 Vilakazi St")
        try await makeApp(world).test(.router) { client in
            let browser = ConsoleBrowser(client)
            try await browser.signIn("thandi", TestGateway.password)
            // Filed by an organisation, the second was linked to the first: the queue says one waits, and filters to it.
            let queue = try await browser.get("/console/").body
            #expect(queue.contains("1 possible duplicate(s) waiting") && queue.contains("possible duplicate of \(first.grouped)"))
            let waiting = try await browser.get("/console/?possible=1").body
            #expect(waiting.contains(second.grouped) && !waiting.contains(">\(elsewhere.grouped)<") && !waiting.contains(">\(first.grouped)</a>"))
            let page = try await browser.get("/console/tickets/\(second.digits)").body
            #expect(page.contains("Likely duplicates") && page.contains(first.grouped) && page.contains("the same place, 2 h earlier"))
            #expect(!page.contains(elsewhere.grouped))
            #expect(page.contains("Merge \(second.grouped) into \(first.grouped)"))
            let merged = try await browser.post("/console/tickets/\(second.digits)/duplicate", [("master", first.digits)])
            #expect(merged.status == .seeOther)
            #expect(try await world.staff.ticket(second, moe: "water")?.status == .duplicate)
            #expect(try await !browser.get("/console/tickets/\(first.digits)").body.contains("Likely duplicates"))
            #expect(try await !browser.get("/console/").body.contains("possible duplicate(s) waiting"), "merged: none waits")

            // Another MOE's dispatcher sees neither ticket.
            let other = ConsoleBrowser(client)
            try await other.signIn("sipho", TestGateway.password)
            #expect(try await other.get("/console/tickets/\(first.digits)").status == .notFound)
        }
    }
}
