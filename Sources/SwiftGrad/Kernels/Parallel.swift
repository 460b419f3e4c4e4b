#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A persistent pool of worker threads that large kernels split their work
/// across: one fewer worker than cores, the calling thread being the last.
/// `SWIFTGRAD_NUM_THREADS` caps the threads (1 runs everything inline).
/// A call made while the pool is busy (from another thread, or nested in a
/// task) runs inline instead of waiting.
final class WorkerPool {
    static let shared = WorkerPool()

    /// Threads that run a job, the caller included.
    let width: Int
    private var mutex = pthread_mutex_t()
    private var wake = pthread_cond_t()
    private var done = pthread_cond_t()
    private var job: ((Int) -> Void)?
    private var taskCount = 0
    private var nextTask = 0
    private var unfinished = 0
    private var generation = 0
    private var busy = false

    private init() {
        let cores = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let requested = getenv("SWIFTGRAD_NUM_THREADS").flatMap { Int(String(cString: $0)) } ?? cores
        width = max(1, min(requested, cores, 64))
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wake, nil)
        pthread_cond_init(&done, nil)
        for _ in 1..<max(width, 1) {
            var thread = pthread_t()
            let box = Unmanaged.passRetained(self).toOpaque()
            if pthread_create(&thread, nil, { $0.flatMap { WorkerPool.work(on: $0) } }, box) == 0 {
                pthread_detach(thread)
            } else {
                Unmanaged<WorkerPool>.fromOpaque(box).release()
            }
        }
    }

    private static func work(on box: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        let pool = Unmanaged<WorkerPool>.fromOpaque(box).takeUnretainedValue()
        var seen = 0
        pthread_mutex_lock(&pool.mutex)
        while true {
            while pool.generation == seen { pthread_cond_wait(&pool.wake, &pool.mutex) }
            seen = pool.generation
            pool.runTasks()
        }
    }

    /// Takes tasks until none are left; called with the mutex held.
    private func runTasks() {
        while nextTask < taskCount, let job {
            let task = nextTask
            nextTask += 1
            pthread_mutex_unlock(&mutex)
            job(task)
            pthread_mutex_lock(&mutex)
            unfinished -= 1
            if unfinished == 0 { pthread_cond_broadcast(&done) }
        }
    }

    /// Runs `body(0) … body(tasks - 1)`, spread over the pool; returns when
    /// all have finished.
    func run(tasks: Int, _ body: (Int) -> Void) {
        guard tasks > 1, width > 1 else {
            for task in 0..<tasks { body(task) }
            return
        }
        pthread_mutex_lock(&mutex)
        if busy {
            pthread_mutex_unlock(&mutex)
            for task in 0..<tasks { body(task) }
            return
        }
        withoutActuallyEscaping(body) { body in
            busy = true
            job = body
            taskCount = tasks
            nextTask = 0
            unfinished = tasks
            generation &+= 1
            pthread_cond_broadcast(&wake)
            runTasks()
            while unfinished > 0 { pthread_cond_wait(&done, &mutex) }
            job = nil
            busy = false
        }
        pthread_mutex_unlock(&mutex)
    }
}

/// Elements below which a kernel runs on one thread: thread hand-off costs
/// a few microseconds.
let parallelThreshold = 1 << 15

extension StridedLoop {
    /// `forEachRow`, split across the worker pool when there are at least
    /// `parallelThreshold` elements: by rows, or a single long row by chunks.
    @inline(never)
    func forEachRowInParallel(_ body: (Int, Int, Int, Int, Int, Int, Int) -> Void) {
        let rows = rowCount, n = rowLength, width = WorkerPool.shared.width
        guard width > 1, rows &* n >= parallelThreshold else { return forEachRow(body) }
        if rows >= width {
            let tasks = min(rows, width * 4)
            WorkerPool.shared.run(tasks: tasks) { task in
                forEachRow(in: rows * task / tasks ..< rows * (task + 1) / tasks, body)
            }
        } else {
            // Few rows: split each along its length.
            let chunks = width * 4
            WorkerPool.shared.run(tasks: rows * chunks) { task in
                let row = task / chunks, chunk = task % chunks
                let start = n * chunk / chunks, end = n * (chunk + 1) / chunks
                guard start < end else { return }
                forEachRow(in: row ..< row + 1) { o0, o1, o2, _, d0, d1, d2 in
                    body(o0 &+ start &* d0, o1 &+ start &* d1, o2 &+ start &* d2, end - start, d0, d1, d2)
                }
            }
        }
    }
}
