package sample

import (
	"fmt"
	"maps"
	"slices"
)

// didYouMean returns "; did you mean 'x' maybe ?" for the candidate
// closest to name, or "" when none is close enough to be a likely typo.
func didYouMean(name string, candidates []string) string {
	best, bestDist := "", 1+len(name)/4
	if bestDist > 3 {
		bestDist = 3
	}
	bestDist++ // accept distances up to the limit
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean '%s' maybe ?", best)
}

// editDistance is the Levenshtein distance with adjacent transpositions
// counted as one edit, the usual shape of typos.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// fetchNames lists the fetch keywords, with the ACL-only ones if inACL,
// sorted so that suggestions are deterministic.
func fetchNames(inACL bool) []string {
	names := slices.Collect(maps.Keys(fetches))
	if inACL {
		names = append(names, slices.Collect(maps.Keys(aclKeywords))...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}
