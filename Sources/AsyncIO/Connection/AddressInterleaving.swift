/// Reorders resolved addresses so that families alternate, as RFC 8305 section 4 asks and
/// asyncio's `_interleave_addrinfos` does: the first `firstAddressFamilyCount` addresses
/// of the first family come first, then one of each family in turn, in the resolver's
/// order of families.
func interleaveAddressInfos(_ infos: [AddressInfo], firstAddressFamilyCount: Int = 1) -> [AddressInfo] {
    var families: [Int32] = []
    var byFamily: [Int32: [AddressInfo]] = [:]
    for info in infos {
        if byFamily[info.family] == nil { families.append(info.family) }
        byFamily[info.family, default: []].append(info)
    }
    var lists = families.map { byFamily[$0]! }
    var reordered: [AddressInfo] = []
    if firstAddressFamilyCount > 1, !lists.isEmpty {
        let head = min(firstAddressFamilyCount - 1, lists[0].count)
        reordered.append(contentsOf: lists[0].prefix(head))
        lists[0].removeFirst(head)
    }
    let longest = lists.map(\.count).max() ?? 0
    for position in 0..<longest {
        for list in lists where position < list.count {
            reordered.append(list[position])
        }
    }
    return reordered
}
