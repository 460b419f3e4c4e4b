import CSwiftGrad
import SwiftGrad

// Sorting, searching and sets.

@_cdecl("sg_sort")
public func sgSort(_ x: OpaquePointer?, _ axis: Int64, _ descending: Bool,
                   _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_sort", out) { call in try call.tensor(x, "x").sorted(axis: Int(axis), descending: descending) }
}

@_cdecl("sg_argsort")
public func sgArgsort(_ x: OpaquePointer?, _ axis: Int64, _ descending: Bool,
                      _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_argsort", out) { call in try call.tensor(x, "x").argsort(axis: Int(axis), descending: descending) }
}

@_cdecl("sg_searchsorted")
public func sgSearchSorted(_ x1: OpaquePointer?, _ x2: OpaquePointer?, _ right: Bool,
                           _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_searchsorted", out) { call in
        try call.tensor(x1, "x1").searchSorted(call.tensor(x2, "x2"), right: right)
    }
}

@_cdecl("sg_unique_all")
public func sgUniqueAll(_ x: OpaquePointer?, _ values: UnsafeMutablePointer<OpaquePointer?>?,
                        _ indices: UnsafeMutablePointer<OpaquePointer?>?,
                        _ inverse: UnsafeMutablePointer<OpaquePointer?>?,
                        _ counts: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_unique_all") { call in
        let outs = try [call.pointer(values, "values"), call.pointer(indices, "indices"),
                        call.pointer(inverse, "inverse_indices"), call.pointer(counts, "counts")]
        let result = try call.tensor(x, "x").unique()
        let tensors = [result.values, result.indices, result.inverseIndices, result.counts]
        for (out, tensor) in zip(outs, tensors) { out.pointee = tensor.retainedHandle }
    }
}

private func same<T>(_ declared: T, _ defined: T) {}

private func checkSortingSignatures() {
    same(sg_sort, sgSort)
    same(sg_argsort, sgArgsort)
    same(sg_searchsorted, sgSearchSorted)
    same(sg_unique_all, sgUniqueAll)
}
