/** Hands a downloaded blob to the browser as a file. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Give the browser a moment to start the download before the URL goes.
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}

/** The file name for a download: the invoice number (or id) and the format's extension. */
export function downloadFileName(base: string, format: 'original' | 'ubl' | 'cii' | 'pdf', contentType?: string): string {
  const safe = base.replace(/[^A-Za-z0-9._-]+/g, '_') || 'invoice';
  if (format === 'pdf') return `${safe}.pdf`;
  if (format === 'original') return `${safe}${contentType === 'application/pdf' ? '.pdf' : '.xml'}`;
  return `${safe}-${format}.xml`;
}
