using System.Text;

namespace Engula.Hosting.Publishing;

/// <summary>
/// Writes a <see cref="EngulaManifestSet"/> into the output directory so that a failure never leaves a partial
/// set: every file is written into a temporary directory next to the output first, then renamed into place
/// (a rename within one file system is atomic), and the temporary directory is always removed.
/// </summary>
internal static class EngulaManifestWriter
{
    // UTF-8 without a byte-order mark, LF line endings (EngulaYaml): the same model gives the same bytes everywhere.
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes the files into <paramref name="outputDirectory"/> (created if missing), replacing files of the same name.</summary>
    public static async Task WriteAsync(EngulaManifestSet manifests, string outputDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        string output = Path.GetFullPath(outputDirectory);
        string parent = Path.GetDirectoryName(output) ?? throw new EngulaPublishException($"output path '{output}' has no parent directory");
        Directory.CreateDirectory(parent);

        // Next to the output, not under /tmp: the final moves must stay on one file system to be renames.
        string staging = Path.Combine(parent, $".{Path.GetFileName(output)}.engula-publish-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var (name, content) in manifests.Files)
            {
                await File.WriteAllTextAsync(Path.Combine(staging, name), content, Utf8NoBom, cancellationToken).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (!Directory.Exists(output))
            {
                // The whole directory appears at once.
                Directory.Move(staging, output);
                return;
            }

            // The output directory already exists (a previous publish, or a directory the user made): replace our
            // files one rename each, kustomization.yaml last so it never lists a file that is not there yet.
            foreach (var (name, _) in manifests.Files)
            {
                File.Move(Path.Combine(staging, name), Path.Combine(output, name), overwrite: true);
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }
}
