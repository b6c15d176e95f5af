import Foundation

/// The one rule for relative paths in asr: `path` as it is when it starts with "/" or when
/// `folder` is "" or "." (it then stays relative to the working directory), else
/// `folder/path`; either way with "." components and doubled slashes removed. `..` is kept:
/// removing it is not lexical when a symbolic link is involved.
///
/// A recipe's paths start from the recipe file's folder (`ResolvedRecipe` makes that folder
/// absolute, once), a manifest's audio paths from the manifest's folder.
func resolvePath(_ path: String, against folder: String) -> String {
    let joined = path.hasPrefix("/") || folder.isEmpty || folder == "." ? path : folder + "/" + path
    let absolute = joined.hasPrefix("/")
    let parts = joined.split(separator: "/").filter { $0 != "." }
    let result = (absolute ? "/" : "") + parts.joined(separator: "/")
    return result.isEmpty ? "." : result
}
