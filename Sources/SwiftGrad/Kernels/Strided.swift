/// Visits the elements of a strided array in row-major order, one row along
/// the last axis at a time: `body(start, length, step)` gets the offset of
/// the row's first element, the row's length and the step between elements.
@inline(__always)
func forEachRow(_ shape: [Int], _ strides: [Int], offset: Int,
                _ body: (_ start: Int, _ length: Int, _ step: Int) -> Void) {
    forEachRow(shape, strides, offset, strides, offset) { a, _, n, step, _ in body(a, n, step) }
}

/// Visits two arrays of the same shape (strides may be 0 for broadcasting)
/// row by row, as `forEachRow` does for one.
@inline(__always)
func forEachRow(_ shape: [Int], _ aStrides: [Int], _ aOffset: Int, _ bStrides: [Int], _ bOffset: Int,
                _ body: (_ a: Int, _ b: Int, _ length: Int, _ aStep: Int, _ bStep: Int) -> Void) {
    let rank = shape.count
    guard rank > 0 else { return body(aOffset, bOffset, 1, 0, 0) }
    let length = shape[rank - 1], aStep = aStrides[rank - 1], bStep = bStrides[rank - 1]
    guard rank > 1 else { return body(aOffset, bOffset, length, aStep, bStep) }
    for axis in 0..<rank - 1 where shape[axis] == 0 { return }
    var index = [Int](repeating: 0, count: rank - 1)
    var a = aOffset, b = bOffset
    while true {
        body(a, b, length, aStep, bStep)
        var axis = rank - 2
        while axis >= 0 {
            index[axis] += 1
            a += aStrides[axis]
            b += bStrides[axis]
            if index[axis] < shape[axis] { break }
            a -= aStrides[axis] * shape[axis]
            b -= bStrides[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
        if axis < 0 { return }
    }
}

/// The strides that make `array` read as if broadcast to `shape`: zero
/// along axes it lacks or has length 1 in.
func broadcastStrides(_ array: NDArray, to shape: [Int]) -> [Int] {
    let lead = shape.count - array.shape.count
    return shape.indices.map { axis in
        let i = axis - lead
        return i < 0 || array.shape[i] == 1 ? 0 : array.strides[i]
    }
}
