// The chapter's network learns XOR from Swift, in eager (PyTorch-style)
// mode: operations compute at once, `backward()` fills each parameter's
// `grad`, and the updates run with recording off.
//
//     swift run -c release seed-xor

import SwiftGrad

let inputs = try Tensor([0, 0, 0, 1, 1, 0, 1, 1], shape: [4, 2])
let targets: [Double] = [0, 1, 1, 0]
var parameters = [
    try Tensor([3, 2, 4, 3], shape: [2, 2]),  // W
    try Tensor([-2, -4], shape: [2]),         // b
    try Tensor([5, -5], shape: [2]),          // W2
    try Tensor(-2),                           // b2
]
// The chapter uses 0.1, which needs about 4000 steps; 1.0 needs about 400.
let learningRate = 1.0

func predict(_ x: Tensor, _ p: [Tensor]) throws -> Tensor {
    let h = try sigmoid(dot(x, p[0]) + p[1])
    return try sigmoid(dot(h, p[2]) + p[3])
}

/// Values rounded to 8 decimals, for printing.
func rounded(_ t: Tensor) -> [Double] { (t.scalars ?? []).map { ($0 * 1e8).rounded() / 1e8 } }

// The chapter's starting weights already round to [0, 1, 1, 0], so train
// until every prediction is within 0.1 of its target.
struct NotLearned: Error {}
for step in 0... {
    guard step < 10_000 else { throw NotLearned() }
    for p in parameters { try p.setRequiresGrad(true) }
    let prediction = try predict(inputs, parameters)
    let cost = try (Tensor(targets, shape: [4]) - prediction).pow(2).mean()
    let values = prediction.scalars ?? []
    if step == 0 { print("first step: predictions \(rounded(prediction)), cost \(rounded(cost))") }
    if zip(values, targets).allSatisfy({ abs($0 - $1) < 0.1 }) {
        print("after \(step) updates: predictions \(rounded(prediction)), cost \(rounded(cost))")
        print("trained XOR:", values.map { $0.rounded() })
        break
    }
    try cost.backward()
    parameters = try GradMode.withDisabled {
        try parameters.map { p in try (p - learningRate * (p.grad ?? Tensor(0))).detached() }
    }
}
