import Testing
@testable import Service

@Test func moduleBuilds() { #expect(Bool(true)) }
