import Foundation
import Testing
@testable import Service

@Suite struct CPUQuotaTests {
    @Test func parsesCgroupV2() {
        #expect(CPUQuota.parseV2("max 100000\n") == nil)
        #expect(CPUQuota.parseV2("150000 100000\n") == 1.5)
        #expect(CPUQuota.parseV2("garbage") == nil)
    }

    @Test func neverZeroNorAboveProcessors() {
        let cores = CPUQuota.availableCores()
        #expect(cores >= 1)
        #expect(cores <= ProcessInfo.processInfo.activeProcessorCount)
    }
}
