// The chapter's network trained on XOR from Swift, in eager (PyTorch-style)
// mode: operations compute at once, `backward()` fills each parameter's
// `grad`, and the update steps run with recording off.
//
//     swift run -c release seed-xor

import SwiftGrad

let inputs = try Tensor([0, 0, 0, 1, 1, 0, 1, 1], shape: [4, 2])
let targets = try Tensor([0, 1, 1, 0], shape: [4])
var parameters = [
    try Tensor([3, 2, 4, 3], shape: [2, 2]),  // W
    try Tensor([-2, -4], shape: [2]),         // b
    try Tensor([5, -5], shape: [2]),          // W2
    try Tensor(-2),                           // b2
]

/// Values rounded to 8 decimals, for printing.
func rounded(_ t: Tensor) -> [Double] { (t.scalars ?? []).map { ($0 * 1e8).rounded() / 1e8 } }

func predict(_ x: Tensor, _ p: [Tensor]) throws -> Tensor {
    let h = try sigmoid(dot(x, p[0]) + p[1])
    return try sigmoid(dot(h, p[2]) + p[3])
}

let learningRate = 10.0
for step in 0...300 {
    for p in parameters { try p.setRequiresGrad(true) }
    let prediction = try predict(inputs, parameters)
    let cost = try (targets - prediction).pow(2).mean()
    if step < 2 || step % 100 == 0 {
        print("step \(step): predictions \(rounded(prediction)), cost \(rounded(cost))")
    }
    try cost.backward()
    parameters = try GradMode.withDisabled {
        try parameters.map { p in try (p - learningRate * (p.grad ?? Tensor(0))).detached() }
    }
}

let learned = try predict(inputs, parameters).scalars ?? []
print("trained XOR:", learned.map { $0.rounded() })
struct NotLearned: Error {}
if learned.map({ $0.rounded() }) != [0, 1, 1, 0] { throw NotLearned() }
