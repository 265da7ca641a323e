/// One entry of the loop's ready queue: a `callSoon` callback or a Swift task's job.
/// asyncio has one FIFO for both; so does this loop, so neither starves the other.
enum ReadyItem: @unchecked Sendable {
    case callback(Handle)
    case job(UnownedJob)
}
