using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Mth.Query.Authentication;

namespace Mth.Query.Api;

/// <summary>The OpenAPI document: the /v1 endpoints and the X-Api-Key security scheme.</summary>
internal static class QueryOpenApi
{
    public static void Configure(OpenApiOptions options)
    {
        options.ShouldInclude = description => description.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) == true;
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "MTH Search query API",
                Version = "v1",
                Description = "Similar past cases by image: by stored instance, by study, or by an uploaded image (docs/query.md).",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ApiKeyAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.HeaderName,
                Description = "One of the keys configured in Query:ApiKeys.",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, document)] = [],
            });
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<UploadBody>().Any())
            {
                operation.RequestBody = UploadRequestBody();
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>Marks the endpoint whose body is an uploaded image (its body is read by hand, so the document says what it takes).</summary>
    internal sealed class UploadBody;

    private static OpenApiRequestBody UploadRequestBody()
    {
        var content = new Dictionary<string, OpenApiMediaType>
        {
            ["multipart/form-data"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "DICOM Part 10, PNG or JPEG." },
                    },
                    Required = new HashSet<string> { "file" },
                },
            },
        };
        foreach (var type in UploadReader.RawContentTypes)
        {
            content[type] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } };
        }

        return new OpenApiRequestBody { Required = true, Description = "The image, as a file part or as the whole body.", Content = content };
    }
}
